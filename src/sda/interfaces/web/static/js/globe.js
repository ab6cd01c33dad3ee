// The CesiumJS globe, fully offline: the Natural Earth II imagery bundled with Cesium, no
// terrain, no geocoder, no Ion token. Renders only when something changes: Cesium's
// request-render mode, and no animation-frame loop at all while nothing moves (Cesium's own
// loop would wake the page sixty times a second just to find there is nothing to draw).
/* global Cesium */

/** How long (ms) the render loop keeps running after a render request or user input. */
const AWAKE_MS = 400;

export const TYPE_COLOURS = {
  PAYLOAD: "#4caf50",
  "ROCKET BODY": "#ff9800",
  DEBRIS: "#9e9e9e",
  UNKNOWN: "#ba68c8",
};
const PARTNER_PALETTE = ["#4fc3f7", "#ef5350", "#ffee58", "#66bb6a", "#ab47bc", "#ff7043", "#26a69a", "#ec407a"];
const UNOWNED_COLOUR = "#78909c";

const colourCache = new Map();
/** The Cesium colour of a CSS colour string (a catalog uses a handful of them). */
function cesiumColour(css) {
  let c = colourCache.get(css);
  if (!c) colourCache.set(css, (c = Cesium.Color.fromCssColorString(css)));
  return c;
}

/** A stable colour per owner partner (grey for records with no owner). */
export function ownerColour(owner, owners) {
  if (!owner) return UNOWNED_COLOUR;
  return PARTNER_PALETTE[owners.indexOf(owner) % PARTNER_PALETTE.length];
}

export class Globe {
  /** Build the viewer inside `container` (an element id). Resolves once the imagery is ready. */
  static async create(container) {
    const imagery = await Cesium.TileMapServiceImageryProvider.fromUrl(
      Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"));
    const viewer = new Cesium.Viewer(container, {
      baseLayer: new Cesium.ImageryLayer(imagery),
      terrainProvider: new Cesium.EllipsoidTerrainProvider(),
      baseLayerPicker: false, geocoder: false, homeButton: false, sceneModePicker: false,
      navigationHelpButton: false, animation: false, timeline: false, fullscreenButton: false,
      infoBox: false, selectionIndicator: false, requestRenderMode: true,
      maximumRenderTimeChange: Infinity, shouldAnimate: false, useDefaultRenderLoop: false,
    });
    viewer.scene.globe.enableLighting = false;
    viewer.scene.fog.enabled = false;
    // The bundled imagery stops at level 2: finer tiles would only be upsampled copies, each
    // costing a texture upload, so the globe is refined less than Cesium's default (2 px).
    viewer.scene.globe.maximumScreenSpaceError = 4;
    viewer.camera.setView({ destination: Cesium.Cartesian3.fromDegrees(127.5, 30, 4.5e7) });
    return new Globe(viewer);
  }

  constructor(viewer) {
    this.viewer = viewer;
    this.scene = viewer.scene;
    this.points = this.scene.primitives.add(new Cesium.PointPrimitiveCollection());
    this.overlays = this.scene.primitives.add(new Cesium.PolylineCollection());
    this.areas = new Cesium.CustomDataSource("areas");
    viewer.dataSources.add(this.areas);
    this.highlighted = new Set();
    this.renders = 0;
    this.scene.postRender.addEventListener(() => { this.renders++; });
    this.awakeUntil = 0;
    this.looping = false;
    this.requestFrame = this.scene.requestRender.bind(this.scene);
    this.scene.requestRender = () => { this.requestFrame(); this.wake(); };
    for (const type of ["pointerdown", "pointermove", "pointerup", "wheel", "keydown"]) {
      this.scene.canvas.addEventListener(type, () => this.wake(), { passive: true });
    }
    window.addEventListener("resize", () => this.wake());
    this.wake();
  }

  /** Run the render loop for a while: Cesium draws a frame only if something changed. */
  wake(ms = AWAKE_MS) {
    this.awakeUntil = Math.max(this.awakeUntil, performance.now() + ms);
    if (this.looping) return;
    this.looping = true;
    const lastView = this.scene.camera.viewMatrix.clone();
    const frame = () => {
      this.viewer.resize();
      // Imagery tiles are refined only in frames that are drawn: draw until they are all in.
      if (!this.scene.globe.tilesLoaded) this.requestFrame();
      this.viewer.render();
      // The camera still moving (inertia after a drag, a flight) keeps the loop going.
      const moving = !Cesium.Matrix4.equalsEpsilon(this.scene.camera.viewMatrix, lastView, 1e-9);
      Cesium.Matrix4.clone(this.scene.camera.viewMatrix, lastView);
      const busy = moving || !this.scene.globe.tilesLoaded || this.scene.tweens.length > 0;
      if (busy || performance.now() < this.awakeUntil) requestAnimationFrame(frame);
      else this.looping = false;
    };
    requestAnimationFrame(frame);
  }

  /** One point per object; `colours` CSS colour per object. */
  setObjects(n, colours) {
    this.points.removeAll();
    const hidden = new Cesium.Cartesian3(0, 0, 0);
    for (let i = 0; i < n; i++) {
      this.points.add({ position: hidden, pixelSize: 3, color: cesiumColour(colours[i]), id: i, show: false });
    }
    this.request();
  }

  recolour(colours) {
    for (let i = 0; i < this.points.length; i++) {
      this.points.get(i).color = cesiumColour(colours[i]);
    }
    this.request();
  }

  /** Move every point to `buf` (x, y, z in km, Earth-fixed; NaN hides the object). */
  setPositions(buf) {
    const p = new Cesium.Cartesian3();
    for (let i = 0; i < this.points.length; i++) {
      const point = this.points.get(i);
      const x = buf[3 * i];
      if (Number.isNaN(x)) {
        point.show = false;
        continue;
      }
      p.x = x * 1000; p.y = buf[3 * i + 1] * 1000; p.z = buf[3 * i + 2] * 1000;
      point.position = p;
      point.show = true;
    }
    this.request();
  }

  position(index) {
    const point = this.points.get(index);
    return point && point.show ? point.position : null;
  }

  /** Enlarge and outline these objects (selection, conjunction pair). */
  highlight(indices) {
    for (const i of this.highlighted) {
      const p = this.points.get(i);
      p.pixelSize = 3; p.outlineWidth = 0;
    }
    this.highlighted = new Set(indices);
    for (const i of this.highlighted) {
      const p = this.points.get(i);
      p.pixelSize = 9; p.outlineWidth = 2; p.outlineColor = Cesium.Color.WHITE;
    }
    this.request();
  }

  /** Replace the polylines drawn over the globe: `lines` of {positions (km, flat xyz), colour, width}. */
  setLines(lines) {
    this.overlays.removeAll();
    for (const line of lines) {
      const positions = [];
      for (let k = 0; k < line.positions.length; k += 3) {
        if (!Number.isNaN(line.positions[k])) {
          positions.push(new Cesium.Cartesian3(line.positions[k] * 1000, line.positions[k + 1] * 1000,
            line.positions[k + 2] * 1000));
        }
      }
      if (positions.length > 1) {
        this.overlays.add({ positions, width: line.width || 1.5,
          material: Cesium.Material.fromType("Color", { color: Cesium.Color.fromCssColorString(line.colour) }) });
      }
    }
    this.request();
  }

  /** Areas of interest: `areas` of {name, lonLatDeg: [[lon, lat], ...]}. */
  setAreas(areas) {
    this.areas.entities.removeAll();
    for (const a of areas) {
      this.areas.entities.add({
        name: a.name,
        polygon: {
          hierarchy: Cesium.Cartesian3.fromDegreesArray(a.lonLatDeg.flat()),
          material: Cesium.Color.fromCssColorString("#ffca28").withAlpha(0.25),
          outline: true, outlineColor: Cesium.Color.fromCssColorString("#ffca28"), height: 0,
        },
      });
    }
    this.request();
  }

  /** Call `onPick(index)` when an object's point is clicked. */
  onPick(handler) {
    const events = new Cesium.ScreenSpaceEventHandler(this.scene.canvas);
    events.setInputAction((click) => {
      const picked = this.scene.pick(click.position);
      if (picked && picked.primitive instanceof Cesium.PointPrimitive) handler(picked.id);
    }, Cesium.ScreenSpaceEventType.LEFT_CLICK);
  }

  /** Keep Cesium's own clock (lighting, sun) at the time shown, without animating. */
  setTime(tMs) {
    this.viewer.clock.currentTime = Cesium.JulianDate.fromDate(new Date(tMs));
    this.request();
  }

  flyTo(index) {
    const p = this.position(index);
    if (!p) return;
    const dir = Cesium.Cartesian3.normalize(p, new Cesium.Cartesian3());
    const dest = Cesium.Cartesian3.add(p, Cesium.Cartesian3.multiplyByScalar(dir, 1.5e7, dir), new Cesium.Cartesian3());
    this.viewer.camera.flyTo({ destination: dest, duration: 0.8 });
  }

  request() {
    this.scene.requestRender();
  }
}
